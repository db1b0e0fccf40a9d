package carto.translate;

import carto.inference.lm.ChatMessage;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Rust written by hand for SACTOR's DOUBLE_FACTORIAL_1, answered through the prompts the real model sees. */
final class RustFor {
    static final Map<String, String> UNIDIOMATIC = Map.of(
            "min", "#[no_mangle]\npub extern \"C\" fn min(x: c_int, y: c_int) -> c_int { if x < y { x } else { y } }\n",
            "max", "#[no_mangle]\npub extern \"C\" fn max(x: c_int, y: c_int) -> c_int { if x > y { x } else { y } }\n",
            "cmpfunc", "#[no_mangle]\npub extern \"C\" fn cmpfunc(a: *const c_void, b: *const c_void) -> c_int {\n"
                    + "    unsafe { (*(a as *const c_int)).wrapping_sub(*(b as *const c_int)) }\n}\n",
            "sort", "extern \"C\" {\n    fn qsort(base: *mut c_void, n: usize, size: usize, cmp: extern \"C\" fn(*const c_void, *const c_void) -> c_int);\n}\n"
                    + "#[no_mangle]\npub extern \"C\" fn sort(arr: *mut c_int, n: c_int) {\n"
                    + "    unsafe { qsort(arr as *mut c_void, n as usize, std::mem::size_of::<c_int>(), cmpfunc) }\n}\n",
            "f_gold", factorial("f_gold", 2),
            "f_filled", factorial("f_filled", 2),
            "main", "extern \"C\" {\n    fn atoi(s: *const c_char) -> c_int;\n    fn printf(fmt: *const c_char, ...) -> c_int;\n}\n"
                    + "#[no_mangle]\npub extern \"C\" fn main(argc: c_int, argv: *const *const c_char) -> c_int {\n"
                    + "    let param0: [c_uint; 10] = [88, 24, 3, 22, 53, 2, 88, 30, 38, 2];\n"
                    + "    let i = if argc > 1 { unsafe { atoi(*argv.add(1)) } } else { 0 } as usize;\n"
                    + "    if f_filled(param0[i]) == f_gold(param0[i]) { return 0; }\n"
                    + "    unsafe { printf(b\"Test failed for input: \\n\\0\".as_ptr() as *const c_char); }\n"
                    + "    -1\n}\n");

    static final Map<String, String> IDIOMATIC = Map.of(
            "min", "pub fn min_idiomatic(x: i32, y: i32) -> i32 { x.min(y) }\n#[no_mangle]\npub extern \"C\" fn min(x: c_int, y: c_int) -> c_int { min_idiomatic(x, y) }\n",
            "max", "pub fn max_idiomatic(x: i32, y: i32) -> i32 { x.max(y) }\n#[no_mangle]\npub extern \"C\" fn max(x: c_int, y: c_int) -> c_int { max_idiomatic(x, y) }\n",
            "cmpfunc", "pub fn cmpfunc_idiomatic(a: i32, b: i32) -> i32 { a.wrapping_sub(b) }\n#[no_mangle]\n"
                    + "pub extern \"C\" fn cmpfunc(a: *const c_void, b: *const c_void) -> c_int {\n"
                    + "    let (a, b) = unsafe { (*(a as *const c_int), *(b as *const c_int)) };\n    cmpfunc_idiomatic(a, b)\n}\n",
            "sort", "pub fn sort_idiomatic(arr: &mut [i32]) { arr.sort(); }\n#[no_mangle]\npub extern \"C\" fn sort(arr: *mut c_int, n: c_int) {\n"
                    + "    if arr.is_null() || n <= 0 { return; }\n    sort_idiomatic(unsafe { std::slice::from_raw_parts_mut(arr, n as usize) })\n}\n",
            "f_gold", idiomaticFactorial("f_gold"),
            "f_filled", idiomaticFactorial("f_filled"));

    static String factorial(String name, int step) {
        return "#[no_mangle]\npub extern \"C\" fn " + name + "(n: c_uint) -> c_uint {\n    let mut res: c_int = 1;\n    let mut i: c_int = n as c_int;\n"
                + "    while i >= 0 {\n        if i == 0 || i == 1 { return res as c_uint; }\n        res = res.wrapping_mul(i);\n        i -= " + step + ";\n    }\n    0\n}\n";
    }

    static String idiomaticFactorial(String name) {
        return "pub fn " + name + "_idiomatic(n: u32) -> u32 {\n    (2..=n as i64).rev().step_by(2).fold(1i32, |acc, i| acc.wrapping_mul(i as i32)) as u32\n}\n"
                + "#[no_mangle]\npub extern \"C\" fn " + name + "(n: c_uint) -> c_uint { " + name + "_idiomatic(n) }\n";
    }

    private static final Pattern UNIT = Pattern.compile("C code to translate:\\n```c\\n(?:[^\\n]*?\\b)?(\\w+)\\s*\\(");
    private static final Pattern IDIO = Pattern.compile("Write `pub fn (\\w+)_idiomatic");

    /** Which unit and pass a prompt is about. */
    static String[] unitOf(List<ChatMessage> msgs) {
        String p = msgs.getLast().content();
        Matcher i = IDIO.matcher(p);
        if (i.find()) return new String[]{i.group(1), "idiomatic"};
        Matcher u = UNIT.matcher(p);
        if (u.find()) return new String[]{u.group(1), "unidiomatic"};
        throw new AssertionError("unexpected prompt:\n" + p);
    }

    static String fenced(String rust) {
        return "Here is the translation:\n```rust\n" + rust + "```\n";
    }
}
