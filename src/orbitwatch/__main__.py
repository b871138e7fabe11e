"""`python -m orbitwatch` runs the same command as `orbit`.

Nothing else lives here.
"""

from orbitwatch.cli import main

if __name__ == "__main__":
    main()
