// libpng 1.6 (Debian: libpng-dev), used through its simplified png_image API.
#include <png.h>
