# End to end with everyday servers and their clients under withsctp (sshd,
# PostgreSQL, nginx, redis, git daemon), installed by tests/deps.sh.
BATS_SUITES += tests/bats/programs.bats
