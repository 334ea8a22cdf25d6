from aligncheck.cli import run

run()
