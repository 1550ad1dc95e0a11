print("board-bench")
