#!/usr/bin/python3
"""Owns the X clipboard for end-to-end tests: reads text on stdin, offers it as the CLIPBOARD
selection, prints "ready" once it owns it, and keeps serving it until killed (Xvfb has no
clipboard manager to hand it to). A real paste (Ctrl+V) in the Vouch window then reads it.
Usage: printf TEXT | clipboard.py"""
import signal
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

text = sys.stdin.read()
clip = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
clip.set_text(text, -1)


def ready():
    print("ready", flush=True)
    return False


GLib.idle_add(ready)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, Gtk.main_quit)
Gtk.main()
