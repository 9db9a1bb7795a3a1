#!/bin/sh
# The gitcmdb SSH test lab: lab.sh start|stop|env DIR [options]; see lab.py.
exec /usr/bin/python3 "$(dirname "$0")/lab.py" "$@"
