"""Finding and reading what authors wrote: post files, their front matter and names."""
