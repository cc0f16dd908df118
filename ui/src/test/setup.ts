import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach } from 'vitest';

// Every test installs its own IPC mock; none may leak into the next.
afterEach(() => {
  clearMocks();
});
