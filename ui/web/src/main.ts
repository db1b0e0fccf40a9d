// Carto's web workspace: repositories, files, a CodeMirror editor with ghost-text completions
// from PIE sessions, navigation and search from the knowledge graph, a graph explorer, and the
// issue, summary, translation and model panels. Everything goes through the REST API.
import { EditorState, StateEffect, StateField, Prec } from "@codemirror/state";
import { EditorView, Decoration, DecorationSet, WidgetType, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, LanguageSupport } from "@codemirror/language";
import { searchKeymap } from "@codemirror/search";
import { python } from "@codemirror/lang-python";
import { java } from "@codemirror/lang-java";
import { cpp } from "@codemirror/lang-cpp";
import { rust } from "@codemirror/lang-rust";
import { go } from "@codemirror/lang-go";
import { javascript } from "@codemirror/lang-javascript";
import { markdown } from "@codemirror/lang-markdown";
import { oneDark } from "@codemirror/theme-one-dark";
import cytoscape from "cytoscape";

// ---- small helpers ------------------------------------------------------------------------------

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

class ApiError extends Error {}

/** The server's API key (when it asks for one), kept in this browser. */
function apiKey(): string | null {
  return localStorage.getItem("carto.apiKey");
}

function authHeaders(): Record<string, string> {
  const k = apiKey();
  return k ? { Authorization: "Bearer " + k } : {};
}

/** An event stream URL; EventSource cannot send headers, so the key travels as access_token. */
function keyed(path: string): string {
  const k = apiKey();
  return k ? path + (path.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(k) : path;
}

function stream(path: string): EventSource {
  return new EventSource(keyed(path));
}

function askForKey() {
  const k = window.prompt("This Carto server needs an API key (started with --server-api-key). Key:");
  if (k) { localStorage.setItem("carto.apiKey", k.trim()); location.reload(); }
}

async function api(method: string, path: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError("The Carto server cannot be reached (" + (e as Error).message + "). Is carto serve running?");
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json: any = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (res.status === 401) { askForKey(); throw new ApiError(json?.error?.message ?? "this server needs an API key"); }
  if (!res.ok) throw new ApiError(json?.error?.message ?? `${method} ${path} failed with HTTP ${res.status}`);
  return json ?? text;
}

function status(text: string, kind: "" | "ok" | "bad" = "") {
  const s = $("status-text");
  s.textContent = text;
  s.className = kind;
}

function showError(where: HTMLElement, e: unknown) {
  where.append(el("div", { class: "error" }, (e as Error).message ?? String(e)));
  status((e as Error).message ?? String(e), "bad");
}

const q = encodeURIComponent;

// ---- state ---------------------------------------------------------------------------------------

let repo: string | null = null;
let currentPath: string | null = null;
let session: string | null = null;
let sessionFor: string | null = null;
let view: EditorView;
let loading = false;

// ---- editor and ghost text -------------------------------------------------------------------------

const setGhost = StateEffect.define<{ pos: number; text: string } | null>();

class GhostWidget extends WidgetType {
  constructor(readonly text: string) { super(); }
  toDOM() { const s = document.createElement("span"); s.className = "cm-ghost"; s.textContent = this.text; return s; }
  eq(o: GhostWidget) { return o.text === this.text; }
}

const ghostField = StateField.define<{ pos: number; text: string } | null>({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setGhost)) return e.value;
    return tr.docChanged || tr.selection ? null : value;
  },
  provide: f => EditorView.decorations.from(f, (g): DecorationSet =>
    g && g.text ? Decoration.set([Decoration.widget({ widget: new GhostWidget(g.text), side: 1 }).range(g.pos)]) : Decoration.none),
});

function languageFor(path: string): LanguageSupport | [] {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "py") return python();
  if (ext === "java" || ext === "kt") return java();
  if (["c", "h", "cc", "cpp", "hpp", "cxx"].includes(ext)) return cpp();
  if (ext === "rs") return rust();
  if (ext === "go") return go();
  if (["js", "jsx", "mjs", "cjs"].includes(ext)) return javascript({ jsx: true });
  if (["ts", "tsx"].includes(ext)) return javascript({ typescript: true, jsx: ext === "tsx" });
  if (ext === "md") return markdown();
  return [];
}

function wordAt(pos: number): string | null {
  const line = view.state.doc.lineAt(pos);
  const text = line.text;
  let s = pos - line.from, e = s;
  while (s > 0 && /\w/.test(text[s - 1])) s--;
  while (e < text.length && /\w/.test(text[e])) e++;
  return e > s ? text.slice(s, e) : null;
}

const completionKeys = Prec.highest(keymap.of([
  { key: "Tab", run: v => {
    const g = v.state.field(ghostField);
    if (!g) return false;
    v.dispatch({ changes: { from: g.pos, insert: g.text }, selection: { anchor: g.pos + g.text.length } });
    return true;
  } },
  { key: "Escape", run: v => { if (!v.state.field(ghostField)) return false; v.dispatch({ effects: setGhost.of(null) }); return true; } },
  { key: "F12", run: v => { goToDefinition(v.state.selection.main.head); return true; } },
  { key: "Shift-F12", run: v => { const w = wordAt(v.state.selection.main.head); if (w) showRelations("references", w); return true; } },
]));

let pendingEdits: { start: number; end: number; text: string }[] = [];
let completeTimer: number | undefined;
let completeAbort: AbortController | null = null;

function makeEditor(doc: string, path: string) {
  const state = EditorState.create({
    doc,
    extensions: [
      lineNumbers(), highlightActiveLine(), history(), oneDark, syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      languageFor(path), ghostField, completionKeys, keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
      EditorView.updateListener.of(u => {
        if (!u.docChanged || loading) return;
        u.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
          pendingEdits.push({ start: fromA, end: toA, text: inserted.toString() });
        });
        scheduleCompletion();
      }),
      EditorView.domEventHandlers({
        mousedown: (ev, v) => {
          if (!(ev.ctrlKey || ev.metaKey)) return false;
          const pos = v.posAtCoords({ x: ev.clientX, y: ev.clientY });
          if (pos != null) goToDefinition(pos);
          return true;
        },
      }),
    ],
  });
  if (view) view.setState(state);
  else view = new EditorView({ state, parent: $("editor") });
}

function scheduleCompletion() {
  window.clearTimeout(completeTimer);
  completeAbort?.abort();
  completeTimer = window.setTimeout(() => { void complete(); }, 120);
}

async function ensureSession(): Promise<string | null> {
  if (session && sessionFor === currentPath) return session;
  try {
    const info = await api("POST", "/v1/sessions", { text: view.state.doc.toString(), repo, path: currentPath, cursor: view.state.selection.main.head });
    session = info.id;
    sessionFor = currentPath;
    pendingEdits = [];
    return session;
  } catch (e) {
    $("latency").textContent = "completion off: " + (e as Error).message;
    return null;
  }
}

async function complete() {
  const hadSession = session && sessionFor === currentPath;
  const id = await ensureSession();
  if (!id) return;
  const t0 = performance.now();
  try {
    if (hadSession && pendingEdits.length) {
      const edits = pendingEdits;
      pendingEdits = [];
      await api("PATCH", `/v1/sessions/${id}`, { edits });
    }
  } catch (e) {
    session = null; // the session went away (evicted): open a new one next time
    $("latency").textContent = (e as Error).message;
    return;
  }
  const cursor = view.state.selection.main.head;
  completeAbort = new AbortController();
  let text = "";
  let firstToken = 0;
  try {
    const res = await fetch(`/v1/sessions/${id}/complete`, {
      method: "POST", signal: completeAbort.signal,
      headers: { ...authHeaders(), "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ cursor, max_tokens: 32 }),
    });
    if (!res.ok || !res.body) { $("latency").textContent = "completion failed: HTTP " + res.status; return; }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const chunk = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (!data) continue;
        const d = JSON.parse(data);
        if (event === "delta") {
          if (!firstToken) firstToken = performance.now();
          text += d.text;
          if (view.state.selection.main.head === cursor) view.dispatch({ effects: setGhost.of({ pos: cursor, text }) });
        } else if (event === "done") {
          const t = d.timings ?? {};
          $("latency").textContent = `completion: first token ${Math.round(firstToken ? firstToken - t0 : 0)} ms (server: update ${t.update_ms ?? "?"} ms, `
            + `first token ${t.first_token_ms ?? "?"} ms), ${d.generated_tokens} tokens`;
        } else if (event === "error") {
          $("latency").textContent = "completion error: " + d.message;
        }
      }
    }
  } catch (e) {
    if ((e as Error).name !== "AbortError") $("latency").textContent = "completion error: " + (e as Error).message;
  }
}

// ---- repositories and files ------------------------------------------------------------------------

async function loadRepositories(select?: string) {
  const sel = $<HTMLSelectElement>("repo");
  sel.innerHTML = "";
  try {
    const list = await api("GET", "/v1/repositories");
    for (const r of list.data) sel.append(el("option", { value: r.id }, `${r.name} (${r.files} files)`));
    if (!list.data.length) { sel.append(el("option", { value: "" }, "no repository: Add…")); repo = null; return; }
    const remembered = localStorage.getItem("carto.repo");
    const known = (id: string | null) => id != null && list.data.some((r: any) => r.id === id);
    repo = select ?? (known(repo) ? repo : known(remembered) ? remembered : list.data[0].id);
    sel.value = repo!;
    localStorage.setItem("carto.repo", repo!);
    await loadTree();
  } catch (e) {
    showError($("tree"), e);
  }
}

async function loadTree() {
  const tree = $("tree");
  tree.innerHTML = "";
  if (!repo) return;
  await addDirectory(tree, "", 0);
}

async function addDirectory(parent: HTMLElement, dir: string, depth: number) {
  try {
    const list = await api("GET", `/v1/repositories/${repo}/tree?path=${q(dir)}`);
    for (const f of list.data) {
      const isDir = f.language === "directory";
      const name = f.path.slice(f.path.lastIndexOf("/") + 1);
      const row = el("div", { class: "node" + (isDir ? " dir" : ""), "data-path": f.path, style: `padding-left:${8 + depth * 14}px`, title: f.path }, name);
      parent.append(row);
      const children = el("div");
      parent.append(children);
      row.addEventListener("click", async () => {
        if (isDir) {
          if (row.classList.toggle("open")) await addDirectory(children, f.path, depth + 1);
          else children.innerHTML = "";
        } else {
          await openFile(f.path);
        }
      });
    }
  } catch (e) {
    showError(parent, e);
  }
}

async function openFile(path: string, line?: number) {
  if (!repo) return;
  try {
    const f = await api("GET", `/v1/repositories/${repo}/file?path=${q(path)}`);
    loading = true;
    makeEditor(f.text, path);
    loading = false;
    currentPath = path;
    session = null;
    pendingEdits = [];
    $("file-name").textContent = path + (f.language ? `  ·  ${f.language}` : "");
    document.querySelectorAll(".node.active").forEach(n => n.classList.remove("active"));
    document.querySelector(`.node[data-path="${CSS.escape(path)}"]`)?.classList.add("active");
    if (line && line > 0) {
      const l = view.state.doc.line(Math.min(line, view.state.doc.lines));
      view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
    }
    view.focus();
    status("Opened " + path);
    if (activeTab === "outline") renderTab();
  } catch (e) {
    loading = false;
    status((e as Error).message, "bad");
  }
}

async function goToDefinition(pos: number) {
  const w = wordAt(pos);
  if (!w || !repo) return;
  try {
    const defs = await api("GET", `/v1/repositories/${repo}/definitions?name=${q(w)}`);
    if (!defs.data.length) { status(`No definition of ${w} in the graph`, "bad"); return; }
    if (defs.data.length === 1) { await openFile(defs.data[0].path, defs.data[0].startLine); return; }
    showList(`Definitions of ${w}`, defs.data.map((d: any) => ({ label: `${d.qualifiedName ?? d.name}`, detail: `${d.path}:${d.startLine}`, path: d.path, line: d.startLine })));
  } catch (e) {
    status((e as Error).message, "bad");
  }
}

// ---- side panel ---------------------------------------------------------------------------------------

const TABS = ["outline", "navigate", "search", "graph", "issues", "summaries", "translate", "models"] as const;
type Tab = typeof TABS[number];
let activeTab: Tab = "outline";

function setupTabs() {
  const bar = $("side-tabs");
  for (const t of TABS) {
    const b = el("button", { "data-tab": t, role: "tab" }, t[0].toUpperCase() + t.slice(1));
    b.addEventListener("click", () => { activeTab = t; renderTab(); });
    bar.append(b);
  }
}

function body(): HTMLElement {
  document.querySelectorAll("#side-tabs button").forEach(b => b.classList.toggle("active", (b as HTMLElement).dataset.tab === activeTab));
  const b = $("side-body");
  b.innerHTML = "";
  return b;
}

function showList(title: string, items: { label: string; detail?: string; path?: string; line?: number }[]) {
  activeTab = "navigate";
  const b = body();
  b.append(el("h3", {}, title));
  if (!items.length) b.append(el("div", { class: "dim" }, "Nothing found."));
  for (const it of items) {
    const row = el("div", { class: "item" }, it.label, " ", el("small", {}, it.detail ?? ""));
    if (it.path) row.addEventListener("click", () => openFile(it.path!, it.line));
    b.append(row);
  }
}

async function showRelations(kind: "references" | "callers" | "callees", name: string) {
  if (!repo) return;
  try {
    const r = await api("GET", `/v1/repositories/${repo}/${kind}?name=${q(name)}`);
    showList(`${kind[0].toUpperCase() + kind.slice(1)} of ${name}`, r.data.map((x: any) => {
      const s = kind === "callees" ? x.to : x.from;
      return { label: s?.qualifiedName ?? s?.name ?? "?", detail: `${s?.path}:${x.line} (${x.resolution ?? ""})`, path: s?.path, line: x.line };
    }));
  } catch (e) {
    showError(body(), e);
  }
}

async function renderTab() {
  const b = body();
  try {
    switch (activeTab) {
      case "outline": return await renderOutline(b);
      case "navigate": return renderNavigate(b);
      case "search": return renderSearch(b, ($<HTMLInputElement>("search")).value);
      case "graph": return await renderGraph(b);
      case "issues": return renderIssues(b);
      case "summaries": return await renderSummaries(b);
      case "translate": return renderTranslate(b);
      case "models": return await renderModels(b);
    }
  } catch (e) {
    showError(b, e);
  }
}

async function renderOutline(b: HTMLElement) {
  if (!repo || !currentPath) { b.append(el("div", { class: "dim" }, "Open a file to see its outline.")); return; }
  const o = await api("GET", `/v1/repositories/${repo}/outline?path=${q(currentPath)}`);
  b.append(el("h3", {}, "Outline of " + currentPath));
  for (const h of o.data) {
    const row = el("div", { class: "item" }, `${h.kind} ${h.name}`, " ", el("small", {}, `${h.startLine}-${h.endLine}`));
    row.addEventListener("click", () => openFile(currentPath!, h.startLine));
    b.append(row);
  }
}

function renderNavigate(b: HTMLElement) {
  const w = view ? wordAt(view.state.selection.main.head) : null;
  b.append(el("h3", {}, "Navigate"), el("div", { class: "dim" }, "F12 or Ctrl+click: go to definition. Shift+F12: references."));
  if (!w) { b.append(el("div", { class: "dim" }, "Put the cursor on a symbol.")); return; }
  for (const [label, fn] of [["Definition", () => goToDefinition(view.state.selection.main.head)], ["References", () => showRelations("references", w)],
    ["Callers", () => showRelations("callers", w)], ["Callees", () => showRelations("callees", w)], ["Type hierarchy", () => showHierarchy(w)]] as const) {
    const btn = el("button", {}, `${label} of ${w}`);
    btn.addEventListener("click", () => { void fn(); });
    b.append(el("div", { style: "margin:4px 0" }, btn));
  }
}

async function showHierarchy(name: string) {
  const h = await api("GET", `/v1/repositories/${repo}/hierarchy?name=${q(name)}`);
  const items = [...h.supertypes.map((r: any) => ({ label: "↑ " + (r.to.qualifiedName ?? r.to.name), detail: r.to.path, path: r.to.path, line: r.to.startLine })),
    ...h.subtypes.map((r: any) => ({ label: "↓ " + (r.from.qualifiedName ?? r.from.name), detail: r.from.path, path: r.from.path, line: r.from.startLine }))];
  showList(`Type hierarchy of ${name}`, items);
}

async function renderSearch(b: HTMLElement, query: string) {
  b.append(el("h3", {}, "Search"));
  if (!query.trim() || !repo) { b.append(el("div", { class: "dim" }, "Type in the search box (Ctrl+K).")); return; }
  const r = await api("GET", `/v1/repositories/${repo}/search?q=${q(query)}&limit=40`);
  if (!r.data.length) b.append(el("div", { class: "dim" }, "Nothing found for " + query));
  for (const h of r.data) {
    const row = el("div", { class: "item result" }, el("span", {}, `${h.kind.toLowerCase()} ${h.name ?? ""}`), " ", el("small", {}, `${h.path}:${h.startLine}`),
      h.snippet ? el("div", { class: "dim" }, h.snippet.trim().slice(0, 160)) : null);
    row.addEventListener("click", () => openFile(h.path, h.startLine));
    b.append(row);
  }
}

async function renderGraph(b: HTMLElement) {
  b.append(el("h3", {}, "Graph explorer"), el("div", { class: "dim" }, "The neighbourhood of the open file: what it defines, imports, and what calls into it. Click a node to open its code."));
  if (!repo || !currentPath) { b.append(el("div", { class: "dim" }, "Open a file first.")); return; }
  const box = el("div", { id: "graph" });
  b.append(box);
  const nodes = new Map<string, any>();
  const edges: any[] = [];
  const add = (id: string, label: string, kind: string, path?: string, line?: number) => { if (!nodes.has(id)) nodes.set(id, { data: { id, label, kind, path, line } }); };
  add("f:" + currentPath, currentPath.slice(currentPath.lastIndexOf("/") + 1), "file", currentPath, 1);
  const [outline, imports] = await Promise.all([
    api("GET", `/v1/repositories/${repo}/outline?path=${q(currentPath)}`),
    api("GET", `/v1/repositories/${repo}/imports?path=${q(currentPath)}`),
  ]);
  for (const h of outline.data.slice(0, 25)) {
    const id = `s:${currentPath}:${h.startLine}`;
    add(id, h.name, h.kind, currentPath, h.startLine);
    edges.push({ data: { source: "f:" + currentPath, target: id, label: "defines" } });
  }
  for (const f of imports.imports) { add("f:" + f.path, f.path.slice(f.path.lastIndexOf("/") + 1), "file", f.path, 1); edges.push({ data: { source: "f:" + currentPath, target: "f:" + f.path, label: "imports" } }); }
  for (const f of imports.importedBy) { add("f:" + f.path, f.path.slice(f.path.lastIndexOf("/") + 1), "file", f.path, 1); edges.push({ data: { source: "f:" + f.path, target: "f:" + currentPath, label: "imports" } }); }
  for (const h of outline.data.filter((x: any) => ["function", "method"].includes(x.kind)).slice(0, 8)) {
    const callers = await api("GET", `/v1/repositories/${repo}/callers?name=${q(h.name)}&limit=5`);
    for (const c of callers.data) {
      if (!c.from) continue;
      const id = `s:${c.from.path}:${c.from.startLine}`;
      add(id, c.from.name, c.from.kind ?? "symbol", c.from.path, c.from.startLine);
      edges.push({ data: { source: id, target: `s:${currentPath}:${h.startLine}`, label: "calls" } });
    }
  }
  const cy = cytoscape({
    container: box,
    elements: [...nodes.values(), ...edges.filter(e => nodes.has(e.data.source) && nodes.has(e.data.target))],
    style: [
      { selector: "node", style: { label: "data(label)", color: "#dfe1e5", "font-size": 10, "background-color": "#4e9af1", width: 14, height: 14 } },
      { selector: "node[kind = 'file']", style: { "background-color": "#d9a53f", shape: "round-rectangle", width: 22, height: 16 } },
      { selector: "edge", style: { width: 1, "line-color": "#5c6068", "target-arrow-shape": "triangle", "target-arrow-color": "#5c6068", "curve-style": "bezier", label: "data(label)", "font-size": 8, color: "#8c8f94" } },
    ],
    layout: { name: "cose", animate: false },
  });
  cy.on("tap", "node", ev => { const d = ev.target.data(); if (d.path) void openFile(d.path, d.line); });
  (window as any).cartoGraph = cy;
}

// ---- issues -------------------------------------------------------------------------------------------

function renderIssues(b: HTMLElement) {
  b.append(el("h3", {}, "Resolve an issue"));
  const title = el("input", { id: "issue-title", placeholder: "Title", style: "width:100%" }) as HTMLInputElement;
  const text = el("textarea", { id: "issue-body", placeholder: "What is wrong, how to reproduce it…" }) as HTMLTextAreaElement;
  const regression = el("input", { id: "issue-regression", placeholder: "Regression test command (optional)", style: "width:100%" }) as HTMLInputElement;
  const go = el("button", { class: "primary", id: "issue-start" }, "Resolve");
  const out = el("div", { id: "issue-out" });
  b.append(title, el("div", { style: "height:6px" }), text, regression, el("div", { style: "margin:6px 0" }, go), out);
  go.addEventListener("click", async () => {
    out.innerHTML = "";
    if (!repo) { showError(out, new Error("Choose or add a repository first.")); return; }
    try {
      const body: any = { title: title.value, body: text.value };
      if (regression.value.trim()) body.regression_command = regression.value.trim();
      const job = await api("POST", `/v1/repositories/${repo}/issues`, body);
      followIssue(job.id, out);
    } catch (e) { showError(out, e); }
  });
}

function followIssue(jobId: string, out: HTMLElement) {
  const steps = el("div", { class: "steps" });
  out.append(el("div", { class: "dim" }, "Job " + jobId), steps);
  const es = stream(`/v1/jobs/${jobId}/events`);
  es.addEventListener("step", ev => {
    const s = JSON.parse((ev as MessageEvent).data).data;
    const cls = "step " + (s.kind === "phase" ? "phase" : s.error ? "err" : "");
    const label = s.kind === "tool" ? `${s.tool} ${(s.arguments ?? "").slice(0, 80)}` : s.kind === "model" ? `model: ${s.completionTokens} tokens` : s.title;
    steps.append(el("div", { class: cls }, label ?? ""));
    steps.scrollTop = steps.scrollHeight;
  });
  es.addEventListener("end", async () => {
    es.close();
    const job = await api("GET", `/v1/jobs/${jobId}`);
    renderResolution(job, out);
  });
  es.onerror = () => { /* the stream ends with the job; reconnects resume after the last id */ };
}

function renderResolution(job: any, out: HTMLElement) {
  if (job.state !== "SUCCEEDED") { out.append(el("div", { class: "error" }, `Job ${job.state.toLowerCase()}: ${job.error ?? ""}`)); return; }
  const r = job.result;
  const head = el("h3", { class: r.resolved ? "ok" : "bad" }, r.resolved ? "Resolved" : "Not resolved");
  out.append(head, el("pre", {}, r.response ?? ""));
  requestAnimationFrame(() => head.scrollIntoView({ block: "start" }));
  const checks = el("div", { id: "checks" });
  for (const c of r.checks ?? []) checks.append(el("div", {}, el("span", { class: c.status === "PASSED" ? "ok" : c.status === "FAILED" ? "bad" : "dim" }, c.status.toLowerCase().replace("_", " ")), " ", c.name, c.failingTests?.length ? el("small", {}, " — " + c.failingTests.join(", ")) : null));
  out.append(checks);
  if (r.diff) {
    out.append(el("h3", {}, "Patch"), sideBySide(r.diff));
    const apply = el("button", { class: "primary" }, "Apply to the working copy");
    apply.addEventListener("click", async () => {
      try { await api("POST", `/v1/jobs/${job.id}/apply`); status("Patch applied to the working copy", "ok"); if (currentPath) await openFile(currentPath); }
      catch (e) { showError(out, e); }
    });
    out.append(el("div", { style: "margin:6px 0" }, apply));
  }
}

/** A unified diff as two columns: removed lines left, added lines right. */
function sideBySide(diff: string): HTMLElement {
  const grid = el("div", { class: "diff" });
  let left: string[] = [], right: string[] = [];
  const flush = () => {
    const n = Math.max(left.length, right.length);
    for (let i = 0; i < n; i++) {
      grid.append(el("div", { class: left[i] !== undefined && left[i].startsWith("-") ? "del" : "" }, (left[i] ?? "").replace(/^[-+ ]/, "")));
      grid.append(el("div", { class: right[i] !== undefined && right[i].startsWith("+") ? "add" : "" }, (right[i] ?? "").replace(/^[-+ ]/, "")));
    }
    left = []; right = [];
  };
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git") || line.startsWith("index ") || line.startsWith("---") || line.startsWith("+++")) {
      if (line.startsWith("+++")) { flush(); grid.append(el("div", { class: "hunk" }, line.slice(4))); }
      continue;
    }
    if (line.startsWith("@@")) { flush(); grid.append(el("div", { class: "hunk" }, line)); continue; }
    if (line.startsWith("-")) left.push(line);
    else if (line.startsWith("+")) right.push(line);
    else { flush(); left.push(line); right.push(line); flush(); }
  }
  flush();
  return grid;
}

// ---- summaries ----------------------------------------------------------------------------------------

async function renderSummaries(b: HTMLElement) {
  b.append(el("h3", {}, "Summaries"));
  if (!repo) { b.append(el("div", { class: "dim" }, "Choose a repository.")); return; }
  const run = el("button", { class: "primary" }, "Summarize the repository");
  const runFile = el("button", {}, "Summarize the open file");
  const progress = el("div", { class: "dim" });
  b.append(el("div", { style: "display:flex;gap:6px;margin-bottom:8px" }, run, runFile), progress);
  const start = async (body: any) => {
    try {
      const job = await api("POST", `/v1/repositories/${repo}/summaries`, body);
      progress.textContent = `${job.plan.model_calls} model calls, ${job.plan.reused} summaries reused…`;
      const es = stream(`/v1/jobs/${job.id}/events`);
      es.addEventListener("step", ev => { const d = JSON.parse((ev as MessageEvent).data).data; if (d.total) progress.textContent = `${d.done} / ${d.total}  ${d.unit}`; });
      es.addEventListener("end", () => { es.close(); void renderTab(); });
    } catch (e) { showError(b, e); }
  };
  run.addEventListener("click", () => start({ scope: "repository" }));
  runFile.addEventListener("click", () => currentPath && start({ scope: "file", target: currentPath }));
  const o = await api("GET", `/v1/repositories/${repo}/overview`);
  b.append(renderMarkdown(o.markdown));
  if (currentPath) {
    const s = await api("GET", `/v1/repositories/${repo}/summaries?path=${q(currentPath)}`);
    if (s.data.length) {
      b.append(el("h3", {}, "In " + currentPath));
      for (const x of s.data) {
        const row = el("div", { class: "item" }, el("strong", {}, x.scope === "file" ? "file" : x.name), " ", el("small", {}, x.startLine ? `${x.startLine}-${x.endLine}` : ""), el("div", {}, x.text));
        row.addEventListener("click", () => openFile(x.path, x.startLine));
        b.append(row);
      }
    }
  }
}

/** Enough Markdown for the overview: headings, lists, tables as lines, links to code that open in the editor. */
function renderMarkdown(md: string): HTMLElement {
  const box = el("div", { class: "md" });
  for (const line of md.split("\n")) {
    const h = /^(#{1,3}) (.*)$/.exec(line);
    const node = h ? el("h" + h[1].length) : el(line.startsWith("- ") ? "li" : "div");
    const text = h ? h[2] : line.replace(/^- /, "");
    let last = 0;
    for (const m of text.matchAll(/\[([^\]]+)\]\(([^)#]+)(?:#L(\d+)(?:-L\d+)?)?\)/g)) {
      node.append(text.slice(last, m.index));
      const a = el("a", {}, m[1]);
      const path = m[2], line = m[3] ? Number(m[3]) : undefined;
      a.addEventListener("click", () => openFile(path, line));
      node.append(a);
      last = (m.index ?? 0) + m[0].length;
    }
    node.append(text.slice(last).replace(/`/g, ""));
    box.append(node);
  }
  return box;
}

// ---- translation --------------------------------------------------------------------------------------

function renderTranslate(b: HTMLElement) {
  b.append(el("h3", {}, "Translate C to Rust"), el("div", { class: "dim" }, "Paste a C program and its tests; every function is verified by linking it back into the C program."));
  const source = el("textarea", { id: "c-source", placeholder: "C source", style: "min-height:160px;font-family:monospace" }) as HTMLTextAreaElement;
  if (currentPath?.endsWith(".c") && view) source.value = view.state.doc.toString();
  const tests = el("textarea", { id: "c-tests", placeholder: '{"feed": "stdin", "tests": [{"input": "1 2", "expected_output": "3"}]}', style: "font-family:monospace" }) as HTMLTextAreaElement;
  const go = el("button", { class: "primary" }, "Translate");
  const out = el("div");
  b.append(source, tests, el("div", { style: "margin:6px 0" }, go), out);
  go.addEventListener("click", async () => {
    out.innerHTML = "";
    try {
      let t: unknown;
      try { t = JSON.parse(tests.value); } catch { throw new Error("The tests are not JSON: write {\"feed\": \"stdin\" | \"args\" | \"args_exitcode\", \"tests\": [...]}"); }
      const name = (currentPath?.replace(/.*\//, "").replace(/\.c$/, "") || "program").replace(/[^A-Za-z0-9._-]/g, "_");
      const job = await api("POST", "/v1/translations", { programs: [{ name, source: source.value, tests: t }] });
      const log = el("div", { class: "steps" });
      out.append(log);
      const es = stream(`/v1/jobs/${job.id}/events`);
      es.addEventListener("step", ev => { log.append(el("div", { class: "step" }, JSON.parse((ev as MessageEvent).data).data.message ?? "")); });
      es.addEventListener("end", async () => {
        es.close();
        const j = await api("GET", `/v1/jobs/${job.id}`);
        if (j.state !== "SUCCEEDED") { out.append(el("div", { class: "error" }, `Job ${j.state.toLowerCase()}: ${j.error ?? ""}`)); return; }
        const p = j.result.results[0];
        out.append(el("h3", { class: p.translated ? "ok" : "bad" }, p.idiomatic ? "Translated (idiomatic)" : p.translated ? "Translated (unidiomatic)" : "Not translated"));
        for (const u of p.units) {
          out.append(el("div", {}, el("span", { class: u.status === "passed" ? "ok" : u.status === "failed" ? "bad" : "dim" }, u.status), ` ${u.unit} [${u.pass}] — ${u.attempts} attempt(s), ${u.unsafeBlocks} unsafe`, u.lastError ? el("small", {}, " " + u.lastError.split("\n")[0]) : null));
          if (u.rust) out.append(el("div", { class: "sxs" }, el("pre", {}, cFunction(source.value, u.unit)), el("pre", {}, u.rust)));
        }
        out.append(el("a", { href: keyed(j.result.archive), download: "" }, "Download the crate (zip)"));
      });
    } catch (e) { showError(out, e); }
  });
}

function cFunction(source: string, name: string): string {
  const i = source.search(new RegExp(`\\b${name.split("+")[0]}\\s*\\([^;{]*\\)\\s*\\{`));
  if (i < 0) return "";
  let depth = 0, j = source.indexOf("{", i);
  for (; j < source.length; j++) { if (source[j] === "{") depth++; else if (source[j] === "}" && --depth === 0) break; }
  return source.slice(i, j + 1);
}

// ---- models -------------------------------------------------------------------------------------------

async function renderModels(b: HTMLElement) {
  b.append(el("h3", {}, "Model"));
  const m = await api("GET", "/v1/models");
  if (!m.data.length) b.append(el("div", { class: "dim" }, "No model is loaded."));
  for (const x of m.data) b.append(el("div", {}, el("strong", {}, x.id), ` — context ${x.context_length}${x.fim ? ", fill-in-the-middle" : ""}`));
  const local = el("input", { placeholder: "/path/to/model.gguf", style: "width:100%" }) as HTMLInputElement;
  const url = el("input", { placeholder: "http://host:8080/v1", style: "width:100%" }) as HTMLInputElement;
  const name = el("input", { placeholder: "remote model name", style: "width:100%" }) as HTMLInputElement;
  const key = el("input", { placeholder: "API key (optional)", type: "password", style: "width:100%" }) as HTMLInputElement;
  const loadLocal = el("button", {}, "Load local model");
  const loadRemote = el("button", {}, "Use remote endpoint");
  const out = el("div");
  b.append(el("h3", {}, "Switch"), local, loadLocal, el("div", { style: "height:8px" }), url, name, key, loadRemote, out);
  const load = async (body: any) => {
    out.innerHTML = "";
    status("Loading the model…");
    try { await api("POST", "/v1/models/load", body); status("Model loaded", "ok"); await refreshModel(); void renderTab(); }
    catch (e) { showError(out, e); }
  };
  loadLocal.addEventListener("click", () => load({ path: local.value }));
  loadRemote.addEventListener("click", () => load({ remote_url: url.value, remote_model: name.value, api_key: key.value || undefined }));
}

async function refreshModel() {
  try {
    const h = await api("GET", "/health");
    $("model-button").textContent = "model: " + (h.model ?? "none");
  } catch (e) { $("model-button").textContent = "server unreachable"; }
}

// ---- dialogs and wiring ---------------------------------------------------------------------------------

function addRepositoryDialog() {
  const d = $("dialog");
  d.innerHTML = "";
  const input = el("input", { id: "repo-input", placeholder: "/path/to/repository or https://…/repo.git", style: "width:100%" }) as HTMLInputElement;
  const ok = el("button", { class: "primary" }, "Add");
  const cancel = el("button", {}, "Cancel");
  const msg = el("div");
  d.append(el("h3", {}, "Add a repository"), input, el("div", { style: "margin-top:8px;display:flex;gap:6px" }, ok, cancel), msg);
  d.hidden = false;
  input.focus();
  cancel.addEventListener("click", () => { d.hidden = true; });
  const submit = async () => {
    msg.innerHTML = "";
    const v = input.value.trim();
    try {
      const r = await api("POST", "/v1/repositories", /^(https?|ssh|git|file):\/\/|@.*:/.test(v) ? { url: v } : { path: v });
      d.hidden = true;
      watchIngest(r.job.id, r.repository.id);
    } catch (e) { showError(msg, e); }
  };
  ok.addEventListener("click", submit);
  input.addEventListener("keydown", e => { if (e.key === "Enter") void submit(); if (e.key === "Escape") d.hidden = true; });
}

function watchIngest(jobId: string, repoId: string) {
  const s = $("ingest");
  s.textContent = "ingesting…";
  const es = stream(`/v1/jobs/${jobId}/events`);
  es.addEventListener("step", ev => { const d = JSON.parse((ev as MessageEvent).data).data; if (d.phase) s.textContent = "ingesting: " + d.phase; });
  es.addEventListener("progress", ev => { const d = JSON.parse((ev as MessageEvent).data).data; s.textContent = `ingesting: ${d.phase} ${d.done}/${d.total}`; });
  es.addEventListener("end", async ev => {
    es.close();
    const st = JSON.parse((ev as MessageEvent).data).state;
    s.textContent = st === "succeeded" ? "" : "ingest " + st;
    if (st !== "succeeded") { const j = await api("GET", `/v1/jobs/${jobId}`); status(j.error ?? "ingest failed", "bad"); return; }
    await loadRepositories(repoId);
  });
}

function wire() {
  setupTabs();
  $<HTMLSelectElement>("repo").addEventListener("change", async e => {
    repo = (e.target as HTMLSelectElement).value;
    localStorage.setItem("carto.repo", repo);
    currentPath = null;
    await loadTree();
    void renderTab();
  });
  $("add-repo").addEventListener("click", addRepositoryDialog);
  $("model-button").addEventListener("click", () => { activeTab = "models"; void renderTab(); });
  const search = $<HTMLInputElement>("search");
  let t: number | undefined;
  search.addEventListener("input", () => { window.clearTimeout(t); t = window.setTimeout(() => { activeTab = "search"; void renderTab(); }, 200); });
  document.addEventListener("keydown", e => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); search.focus(); search.select(); }
    if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "r") { e.preventDefault(); addRepositoryDialog(); }
    if (e.altKey && /^[1-8]$/.test(e.key)) { e.preventDefault(); activeTab = TABS[Number(e.key) - 1]; void renderTab(); }
  });
  window.addEventListener("unhandledrejection", ev => status((ev.reason as Error)?.message ?? String(ev.reason), "bad"));
}

makeEditor("", "");
wire();
void refreshModel();
void loadRepositories().then(() => renderTab());
