import { emit } from '@tauri-apps/api/event';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { mount } from 'svelte';
import App from '../App.svelte';
import '../styles/tokens.css';
import '../styles/base.css';
import { demoBackend } from './backend';

mockWindows('main');
mockIPC(demoBackend, { shouldMockEvents: true });

// For screenshots and manual tries: `__vouchDemo.drag(['/home/me/compose.yaml'])`, then `.drop(...)`.
const position = { x: 400, y: 300 };
(window as unknown as { __vouchDemo: unknown }).__vouchDemo = {
  drag: (paths: string[]) => emit('tauri://drag-enter', { paths, position }),
  leave: () => emit('tauri://drag-leave', null),
  drop: (paths: string[]) => emit('tauri://drag-drop', { paths, position }),
};

const target = document.getElementById('app');
if (target === null) throw new Error('demo.html has no #app');
mount(App, { target });
