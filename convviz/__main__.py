import sys

from convviz.cli import main

if __name__ == "__main__":      # a worker process started with "spawn" imports this too
    sys.exit(main())
