import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

// Every test installs its own IPC mock; none may leak into the next. Components are unmounted
// first so their cleanup (e.g. unlistening drag-and-drop events) still reaches the mock.
afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
  delete document.documentElement.dataset['theme'];
});
