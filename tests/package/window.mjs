// Opens the installed app's window through WebKitWebDriver and checks it is Vouch's, ready.
// Usage: node tests/package/window.mjs /usr/bin/vouch-app
import assert from 'node:assert/strict';
import { Session } from '../e2e/webdriver.mjs';

const binary = process.argv[2];
assert.ok(binary, 'usage: window.mjs APP_BINARY');
const s = await Session.start(binary);
try {
  assert.equal(await s.title(), 'Vouch');
  // The shell is painted and answers: the navigation is there.
  await s.waitFor('[data-testid="nav-keys"]');
  console.log(`ok: ${binary} opened a window titled "Vouch"`);
} finally {
  await s.stop();
}
