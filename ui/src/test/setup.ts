import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, configure } from '@testing-library/svelte';
import { afterEach } from 'vitest';
import { readBoot } from '../ipc/boot';

// Views load some parts on first use (dialogs, tabs: dynamic imports, for start-up); the first
// such import in a test run compiles those components, which can take more than findBy*'s
// default second.
configure({ asyncUtilTimeout: 5000 });

// Every test installs its own IPC mock; none may leak into the next. Components are unmounted
// first so their cleanup (e.g. unlistening drag-and-drop events) still reaches the mock.
afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
  // Start-up data a test put in the page and did not use must not reach the next test.
  delete window.__VOUCH_BOOT__;
  readBoot();
  delete document.documentElement.dataset['theme'];
});
