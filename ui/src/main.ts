import { mount } from 'svelte';
import App from './App.svelte';
import { applyTheme, rememberedTheme } from './lib/theme';
import './styles/tokens.css';
import './styles/base.css';

applyTheme(rememberedTheme());

const target = document.getElementById('app');
if (target === null) throw new Error('Vouch: #app element missing from index.html');

export default mount(App, { target });
