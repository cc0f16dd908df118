/**
 * Ctrl+K from anywhere: the app opens Verify and asks for the search field; the field takes the
 * focus when it is (or next is) on screen, once per request.
 */
export const searchFocus = $state({ pending: false });

export function requestSearchFocus(): void {
  searchFocus.pending = true;
}

/** Ctrl+K (⌘K on macOS), without Shift or Alt. */
export function isSearchShortcut(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'k';
}
