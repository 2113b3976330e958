"""python -m demo [--port N] [--group-locale zh_Hans|zh_Hant|en]: see demo/launcher.py."""
from demo.launcher import main

main()
