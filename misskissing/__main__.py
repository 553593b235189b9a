from misskissing.cli import main

main()
