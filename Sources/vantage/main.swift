import VantageCLI
await VantageCommand.main()
