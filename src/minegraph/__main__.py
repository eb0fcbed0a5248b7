from minegraph.cli import main

main()
