import { mockIPC } from '@tauri-apps/api/mocks';
import { mount } from 'svelte';
import App from '../App.svelte';
import '../styles/tokens.css';
import '../styles/base.css';
import { demoBackend } from './backend';

mockIPC(demoBackend);

const target = document.getElementById('app');
if (target === null) throw new Error('demo.html has no #app');
mount(App, { target });
