from lockstep.cli.main import main

main()
