'use client';
/**
 * A CodeMirror 6 editor in Python mode for label-function code. Browser-only: load it with
 * `next/dynamic(…, { ssr: false })`. The parent owns the text (`value` / `onChange`); a `value`
 * that differs from the document (a reload, a revert) replaces it. `readOnly` shows the code without
 * letting anyone change it (annotators). Ctrl/Cmd+Enter calls `onRun`, Ctrl/Cmd+S calls `onSave`
 * (the browser's "save page" is suppressed).
 */
import { python } from '@codemirror/lang-python';
import { Annotation, Compartment, EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

const EDITABLE = new Compartment();
/** Marks a document replacement that came from `value` (not typed), so it is not echoed to `onChange`. */
const FROM_VALUE = Annotation.define<boolean>();

const THEME = EditorView.theme({
  '&': { fontSize: '12.5px', height: '24rem', backgroundColor: 'white' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '&.cm-focused': { outline: '2px solid rgb(99 102 241)' },
});

function editability(readOnly: boolean) {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

export interface CodeEditorProps {
  value: string;
  onChange: (code: string) => void;
  readOnly: boolean;
  /** Accessible name of the editing area. */
  label: string;
  onRun?: () => void;
  onSave?: () => void;
}

export default function CodeEditor({ value, onChange, readOnly, label, onRun, onSave }: CodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const handlersRef = useRef({ onChange, onRun, onSave });
  const initialRef = useRef({ value, readOnly, label });

  useEffect(() => {
    handlersRef.current = { onChange, onRun, onSave };
  });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const initial = initialRef.current;
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: initial.value,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  handlersRef.current.onRun?.();
                  return true;
                },
              },
              {
                key: 'Mod-s',
                preventDefault: true,
                run: () => {
                  handlersRef.current.onSave?.();
                  return true;
                },
              },
            ]),
          ),
          basicSetup,
          python(),
          THEME,
          EditorView.contentAttributes.of({ 'aria-label': initial.label }),
          EDITABLE.of(editability(initial.readOnly)),
          EditorView.updateListener.of((update) => {
            const isTyped = !update.transactions.some((tr) => tr.annotation(FROM_VALUE));
            if (update.docChanged && isTyped) handlersRef.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // A new value from outside (reload, revert, save) replaces the document.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current !== value) {
      view.dispatch({
        changes: { from: 0, to: current.length, insert: value },
        annotations: FROM_VALUE.of(true),
      });
    }
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: EDITABLE.reconfigure(editability(readOnly)) });
  }, [readOnly]);

  return (
    <div
      ref={hostRef}
      className="overflow-hidden rounded-md ring-1 ring-slate-300"
      data-testid="lf-code-editor"
      data-readonly={readOnly ? 'true' : 'false'}
    />
  );
}
