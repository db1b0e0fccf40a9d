#!/usr/bin/env bash
# Compiles tree-sitter and the grammars Carto parses with into one optimized native library,
# $1/carto-native/<os>-<arch>/libcarto-treesitter.<so|dylib>, from the C sources npm publishes
# (package-lock.json pins them to the versions of the io.github.bonede jars); objects go to $2.
#
# Why: the io.github.bonede libraries are unoptimized (-O0) builds; the same sources at -O2 parse
# about three times faster. Nothing depends on this step succeeding: without a C compiler or npm
# it says so and Carto parses with the bonede libraries, which give the same trees.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:?usage: build.sh OUTPUT_DIR OBJECT_DIR}"
obj="${2:?usage: build.sh OUTPUT_DIR OBJECT_DIR}"

skip() {
  echo "carto-ingest: $1; Carto will parse with the unoptimized tree-sitter libraries of io.github.bonede (same trees, about half the parse speed)" >&2
  exit 0
}

cc="${CC:-}"
if [ -z "$cc" ]; then
  for c in cc gcc clang; do
    if command -v "$c" >/dev/null 2>&1; then cc="$c"; break; fi
  done
fi
[ -n "$cc" ] || skip "no C compiler (cc, gcc or clang) found; install one (Debian: apt-get install gcc) for the optimized parser library"
command -v npm >/dev/null 2>&1 || skip "npm is not installed, so the tree-sitter C sources cannot be fetched"

case "$(uname -s)" in
  Linux) os=linux; ext=so; shared=(-shared -Wl,-Bsymbolic -Wl,-soname,libcarto-treesitter.so) ;;
  Darwin) os=macos; ext=dylib; shared=(-dynamiclib -install_name @rpath/libcarto-treesitter.dylib) ;;
  *) skip "no native build for $(uname -s)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) skip "no native build for $(uname -m)" ;;
esac

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # --ignore-scripts: only the C sources are wanted, not the packages' Node.js bindings
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error || skip "npm could not fetch the tree-sitter sources"
fi

core=node_modules/tree-sitter/vendor/tree-sitter/lib
# grammar source folders (each with parser.c and maybe scanner.c), one per tree_sitter_<name>() the library exports
grammars=(
  tree-sitter-bash/src tree-sitter-c/src tree-sitter-c-sharp/src tree-sitter-cpp/src tree-sitter-go/src
  tree-sitter-java/src tree-sitter-javascript/src tree-sitter-kotlin/src tree-sitter-php/php/src
  tree-sitter-python/src tree-sitter-ruby/src tree-sitter-rust/src tree-sitter-typescript/typescript/src
  tree-sitter-typescript/tsx/src
)

mkdir -p "$obj"
flags=(-O2 -fPIC -std=c11 -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE -w)
jobs=()
# "object source include-dir" per compilation, recompiled only when the source is newer
units=("$obj/core.o $core/src/lib.c $core/include -I$core/src")
for g in "${grammars[@]}"; do
  name="$(echo "$g" | tr '/' '_')"
  units+=("$obj/$name-parser.o node_modules/$g/parser.c node_modules/$g")
  if [ -f "node_modules/$g/scanner.c" ]; then units+=("$obj/$name-scanner.o node_modules/$g/scanner.c node_modules/$g"); fi
done
objects=()
for u in "${units[@]}"; do
  read -r o src inc extra <<<"$u"
  objects+=("$o")
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
    jobs+=("$cc ${flags[*]} -I$inc ${extra:-} -c $src -o $o")
  fi
done
if [ "${#jobs[@]}" -gt 0 ]; then
  echo "carto-ingest: compiling tree-sitter and ${#grammars[@]} grammars with $cc -O2 (${#jobs[@]} files)" >&2
  cpus="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
  printf '%s\n' "${jobs[@]}" | xargs -P "$cpus" -I{} sh -c '{}' || skip "$cc failed to compile the tree-sitter sources"
fi

dir="$out/carto-native/$os-$arch"
lib="$dir/libcarto-treesitter.$ext"
mkdir -p "$dir"
relink=0
[ -f "$lib" ] || relink=1
for o in "${objects[@]}"; do [ "$relink" = 1 ] || [ ! "$o" -nt "$lib" ] || relink=1; done
if [ "$relink" = 1 ]; then
  "$cc" "${shared[@]}" -o "$lib.tmp" "${objects[@]}" || skip "$cc failed to link the tree-sitter library"
  strip -x "$lib.tmp" 2>/dev/null || true
  mv "$lib.tmp" "$lib"
fi
