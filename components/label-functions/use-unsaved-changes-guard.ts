'use client';
/**
 * Warns before unsaved edits are lost: the browser's own prompt on reload / close / typed URL
 * (`beforeunload`), and a confirm on in-app links — a click on a same-tab link is caught in the
 * capture phase, before Next's `<Link>` navigates. Links opened in a new tab (target, modifier keys,
 * middle click) and in-page anchors are let through.
 */
import { useEffect } from 'react';

export const UNSAVED_CHANGES_MESSAGE = 'You have unsaved edits to this label function. Leave and lose them?';

export function useUnsavedChangesGuard(isDirty: boolean): void {
  useEffect(() => {
    if (!isDirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = '';
    };
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(anchor instanceof HTMLAnchorElement)) return;
      if (anchor.target && anchor.target !== '_self') return;
      if (anchor.hasAttribute('download')) return;
      const url = new URL(anchor.href, window.location.href);
      const here = new URL(window.location.href);
      if (url.origin === here.origin && url.pathname === here.pathname && url.search === here.search) return;
      if (!window.confirm(UNSAVED_CHANGES_MESSAGE)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [isDirty]);
}
