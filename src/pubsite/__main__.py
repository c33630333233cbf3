from pubsite.cli import run

run()
