// Start-up milestones, read by the app benchmark (bench/app.mjs) through WebDriver.
performance.mark('vouch:script');

import { mount } from 'svelte';
import App from './App.svelte';
import { prefetchKeys } from './ipc/api';
import { bootTheme, readBoot } from './ipc/boot';
import { applyTheme, rememberedTheme } from './lib/theme';
import './styles/tokens.css';
import './styles/base.css';

// What the app put in the page: the theme to paint in and the first screen's keys.
readBoot();
applyTheme(bootTheme() ?? rememberedTheme());
// The first screen lists the keys: unless the page came with them, ask now, while the page is
// being laid out.
prefetchKeys();

const target = document.getElementById('app');
if (target === null) throw new Error('Vouch: #app element missing from index.html');

const app = mount(App, { target });
performance.mark('vouch:mounted');

export default app;
