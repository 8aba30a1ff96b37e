from omni_cli.main import main

raise SystemExit(main())
