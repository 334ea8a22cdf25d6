from aligncheck.cli import main

raise SystemExit(main())
