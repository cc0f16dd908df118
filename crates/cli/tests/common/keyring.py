#!/usr/bin/python3
"""Locks or unlocks the Secret Service's default collection in the harness's gnome-keyring,
through the Secret Service D-Bus API (GLib's Gio, from Debian's python3-gi), for the
keychain-fault tests.
  keyring.py lock     org.freedesktop.Secret.Service.Lock on the default collection
  keyring.py unlock   the harness's password (on stdin) through gnome-keyring's own
                      UnlockWithMasterPassword: no prompt. Starts the daemon by D-Bus
                      activation first when none owns org.freedesktop.secrets.
Prints the collection and whether it is locked now.
  keyring.py activation-env NAME VALUE
                      sets NAME in the bus's activation environment (what D-Bus-activated
                      services such as gnome-keyring's prompter start with)."""
import sys

from gi.repository import Gio, GLib

BUS = Gio.bus_get_sync(Gio.BusType.SESSION)
SERVICE = "/org/freedesktop/secrets"


def call(path, iface, method, args):
    return BUS.call_sync("org.freedesktop.secrets", path, iface, method, args, None,
                         Gio.DBusCallFlags.NONE, 10000, None).unpack()


def default_collection():
    # Retried: a daemon just activated may not have loaded its keyrings yet.
    for _ in range(50):
        path = call(SERVICE, "org.freedesktop.Secret.Service", "ReadAlias", GLib.Variant("(s)", ("default",)))[0]
        if path != "/":
            return path
        GLib.usleep(100_000)
    sys.exit("keyring.py: no default collection")


if sys.argv[1:2] == ["activation-env"] and len(sys.argv) == 4:
    BUS.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "UpdateActivationEnvironment", GLib.Variant("(a{ss})", ({sys.argv[2]: sys.argv[3]},)),
                  None, Gio.DBusCallFlags.NONE, 10000, None)
    sys.exit(0)

collection = default_collection()
if sys.argv[1:] == ["lock"]:
    call(SERVICE, "org.freedesktop.Secret.Service", "Lock", GLib.Variant("(ao)", ([collection],)))
elif sys.argv[1:] == ["unlock"]:
    session = call(SERVICE, "org.freedesktop.Secret.Service", "OpenSession",
                   GLib.Variant("(sv)", ("plain", GLib.Variant("s", ""))))[1]
    password = sys.stdin.buffer.read()
    call(SERVICE, "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", "UnlockWithMasterPassword",
         GLib.Variant("(o(oayays))", (collection, (session, b"", password, "text/plain"))))
else:
    sys.exit(__doc__)
locked = call(collection, "org.freedesktop.DBus.Properties", "Get",
              GLib.Variant("(ss)", ("org.freedesktop.Secret.Collection", "Locked")))[0]
print(f"{collection} {'locked' if locked else 'unlocked'}")
