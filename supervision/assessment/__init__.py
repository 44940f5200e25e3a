"""年度依法行政考核 (issue #18): the year's scheme, materials, ratings, 加减分, scores, grades and their confirmation."""
