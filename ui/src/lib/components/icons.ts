// Small stroke icons (24×24 grid, drawn with currentColor). Drawn for Vouch; no icon font, no CDN.
export const ICON_PATHS = {
  'shield-check': ['M12 3l7 3v5c0 4.5-3 8.2-7 10-4-1.8-7-5.5-7-10V6z', 'M8.5 12l2.5 2.5 4.5-5'],
  'circle-dash': ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M8 12h8'],
  'triangle-alert': ['M12 3.5l9.5 16.5h-19z', 'M12 10v4', 'M12 17.2v.1'],
  'circle-x': ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M9 9l6 6', 'M15 9l-6 6'],
  'octagon-alert': ['M8.3 3h7.4L21 8.3v7.4L15.7 21H8.3L3 15.7V8.3z', 'M12 7.5v5', 'M12 16v.1'],
  spinner: ['M12 3a9 9 0 1 1-9 9'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  minus: ['M6 12h12'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  key: ['M7.5 11a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9z', 'M10.8 12.7L20 3.5', 'M16.5 7l3 3', 'M14 9.5l2 2'],
  'key-private': ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4', 'M12 15v2'],
  ban: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M5.7 5.7l12.6 12.6'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13', 'M10 11v6', 'M14 11v6'],
  download: ['M12 4v11', 'M7 10.5l5 5 5-5', 'M5 20h14'],
  'chevron-right': ['M9 6l6 6-6 6'],
  'chevron-down': ['M6 9l6 6 6-6'],
  plus: ['M12 5v14', 'M5 12h14'],
  clock: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 7v5l3 2'],
  list: ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.1', 'M4 12h.1', 'M4 18h.1'],
  settings: [
    'M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z',
    'M12 2.5v3', 'M12 18.5v3', 'M2.5 12h3', 'M18.5 12h3',
    'M5.3 5.3l2.1 2.1', 'M16.6 16.6l2.1 2.1', 'M5.3 18.7l2.1-2.1', 'M16.6 7.4l2.1-2.1',
  ],
  search: ['M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M15.5 15.5L20 20'],
  info: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 11v5', 'M12 7.8v.1'],
  refresh: ['M20 12a8 8 0 1 1-2.3-5.7', 'M20 4v5h-5'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICON_PATHS;
