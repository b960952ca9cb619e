# The README's first command ends here.
library(rpud)
print(rpudlInfo())
