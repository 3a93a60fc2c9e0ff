from ftkit.cli import main

raise SystemExit(main())
