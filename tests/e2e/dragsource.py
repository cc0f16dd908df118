#!/usr/bin/python3
"""A tiny GTK3 drag source for end-to-end tests: a small window in the bottom-right corner of
the X display that offers the given files as text/uri-list when dragged. xdotool performs the
drag (press on this window, move onto the Vouch window, release): a real native drag and drop,
which WebDriver's own actions cannot produce in WebKitGTK. Exits when the drag ends.
Usage: dragsource.py X Y FILE...      (offers the files as text/uri-list)
       dragsource.py X Y --text TEXT  (offers TEXT as plain text, as from an editor)"""
import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
text = sys.argv[4] if sys.argv[3:4] == ["--text"] else None
uris = [] if text is not None else [Path(p).resolve().as_uri() for p in sys.argv[3:]]

win = Gtk.Window(title="vouch-drag-source")
win.set_default_size(120, 80)
win.move(x, y)
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
if text is not None:
    button.drag_source_add_text_targets()
    button.connect("drag-data-get", lambda _w, _ctx, data, _info, _t: data.set_text(text, -1))
else:
    button.drag_source_add_uri_targets()
    button.connect("drag-data-get", lambda _w, _ctx, data, _info, _t: data.set_uris(uris))
button.connect("drag-end", lambda *_a: GLib.timeout_add(300, Gtk.main_quit))
win.add(button)
win.connect("destroy", Gtk.main_quit)
win.show_all()
GLib.timeout_add(30000, Gtk.main_quit)  # never outlive the test
print("ready", flush=True)
Gtk.main()
