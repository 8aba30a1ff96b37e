"""``python -m desktop``: the desktop app alone, as the bundle starts it (see ``desktop.qt.entry``)."""

from desktop.qt.entry import main

raise SystemExit(main())
