/* The files `gitcmdb init` writes into a new repository (lib/store/templates.c). */
#ifndef CMDB_LIB_TEMPLATES_H
#define CMDB_LIB_TEMPLATES_H

extern const char cmdb__template_settings[]; /* gitcmdb.yaml */
extern const char cmdb__template_inventory[]; /* inventory.yaml */

#endif
