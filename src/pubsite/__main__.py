from pubsite.cli import main

main()
