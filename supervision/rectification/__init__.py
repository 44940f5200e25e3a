"""整改: units reply to letters, the 监督室 reviews, every problem is tracked to closure; 自查; the 整改台账."""
