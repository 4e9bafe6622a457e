// The code editors of the page: CodeMirror 6, bundled by `make ui` into
// web/ui/static/editor.js. The page keeps one EditorState per block and
// language (the state holds the undo history), and swaps them into a single
// view per language, so undo in one block never reaches another's text.
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, rectangularSelection, dropCursor,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab, simplifySelection, undo, undoDepth } from "@codemirror/commands";
import {
  bracketMatching, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting, indentUnit,
} from "@codemirror/language";
import { searchKeymap, highlightSelectionMatches, openSearchPanel } from "@codemirror/search";
import { closeBrackets, closeBracketsKeymap, autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { classHighlighter } from "@lezer/highlight";
import { html } from "@codemirror/lang-html";
import { css } from "@codemirror/lang-css";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";

const languages = {
  html: () => html({ autoCloseTags: true }),
  css: () => css(),
  javascript: () => javascript(),
  data: () => json(),
};

// Colours come from CSS variables in style.css, so the light and dark
// themes need no second CodeMirror theme.
const theme = EditorView.theme({
  "&": { color: "var(--ink)", backgroundColor: "var(--code-bg)", height: "100%" },
  ".cm-content": { caretColor: "var(--ink)", fontFamily: "var(--mono)" },
  ".cm-gutters": { backgroundColor: "var(--code-gutter)", color: "var(--muted)", borderRight: "1px solid var(--line)" },
  ".cm-activeLine": { backgroundColor: "var(--code-active)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active)", color: "var(--ink)" },
  "&.cm-focused .cm-cursor": { borderLeftColor: "var(--ink)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--code-selection) !important" },
  ".cm-matchingBracket": { backgroundColor: "var(--code-bracket)", outline: "1px solid var(--accent)" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-panels": { backgroundColor: "var(--panel)", color: "var(--ink)" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--ink)", border: "1px solid var(--line)" },
});

// The page's CSP allows generated <style> elements only with this page
// load's nonce (web/ui serves it in a meta element).
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content ?? "";

// makeState builds the state of one editor of one block. hooks.onChange
// gets the new text on every edit; hooks.onRun runs the block (Mod-Enter).
export function makeState(lang, doc, hooks, label) {
  return EditorState.create({
    doc,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), foldGutter(), highlightSpecialChars(), history(),
      drawSelection(), dropCursor(), EditorState.allowMultipleSelections.of(true), indentOnInput(),
      syntaxHighlighting(classHighlighter), bracketMatching(), closeBrackets(), autocompletion(),
      rectangularSelection(), highlightActiveLine(), highlightSelectionMatches(),
      indentUnit.of("  "), EditorState.tabSize.of(2),
      keymap.of([
        { key: "Mod-Enter", run: () => { hooks.onRun(); return true; }, preventDefault: true },
        ...closeBracketsKeymap, ...searchKeymap,
        // Escape, then Tab within 2 s, moves the focus out (the editor is no
        // keyboard trap) even when Escape also collapses a selection.
        { key: "Escape", run: (view) => { simplifySelection(view); view.setTabFocusMode(2000); return true; } },
        ...defaultKeymap, ...historyKeymap, ...foldKeymap,
        ...completionKeymap, indentWithTab,
      ]),
      languages[lang](),
      theme,
      EditorView.cspNonce.of(nonce),
      // tabindex 0 names the (already tabbable) content as the focusable part
      // of the scrolling region, for assistive technology and axe.
      EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", tabindex: "0" }),
      EditorView.updateListener.of((u) => { if (u.docChanged) hooks.onChange(u.state.doc.toString()); }),
    ],
  });
}

// makeView mounts an editor view in parent, showing state.
export function makeView(parent, state) {
  return new EditorView({ state, parent });
}

export { EditorView, openSearchPanel, undo, undoDepth };
