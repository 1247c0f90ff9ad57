// Symbol visibility for libgnuradio-moema.
#ifndef INCLUDED_MOEMA_API_H
#define INCLUDED_MOEMA_API_H

#include <gnuradio/attributes.h>

#ifdef gnuradio_moema_EXPORTS
#define MOEMA_API __GR_ATTR_EXPORT
#else
#define MOEMA_API __GR_ATTR_IMPORT
#endif

#endif /* INCLUDED_MOEMA_API_H */
