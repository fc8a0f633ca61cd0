/* The versions each daemon speaks, shown by --version and the control socket. */
#ifndef HS_VERSION_H
#define HS_VERSION_H

#include "hs_build.h"

#define HS_VERSION            PACKAGE_VERSION
#define HS_HRP_VERSION_MAJOR  1
#define HS_HRP_VERSION_MINOR  0
#define HS_HRP_VERSION_STRING "1.0"

#endif
