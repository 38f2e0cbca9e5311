"""Development list: actions that managers rank, assign and follow (kehityslista)."""
