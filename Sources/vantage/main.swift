import VantageCLI
VantageCommand.main()
