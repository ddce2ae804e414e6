'use client';
import { useId, useState } from 'react';

export type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Copying a one-time secret (an invitation link, an API key) shown in a read-only input whose `id`
 * is `inputId`. `copy(text)` writes to the clipboard; when the browser refuses (no
 * `navigator.clipboard` outside secure contexts, permissions) it selects the input's text instead
 * and `copyState` becomes `failed`, so the page can say "copy it with Ctrl+C".
 */
export function useCopyField(): { inputId: string; copyState: CopyState; copy: (text: string) => void } {
  const [copyState, setCopyState] = useState<CopyState>('idle');
  const inputId = useId();
  function copy(text: string) {
    // The promise chain turns a missing `navigator.clipboard` into a refusal like any other.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(
        () => setCopyState('copied'),
        () => {
          const field = document.getElementById(inputId);
          if (field instanceof HTMLInputElement) field.select();
          setCopyState('failed');
        },
      );
  }
  return { inputId, copyState, copy };
}
