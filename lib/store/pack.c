#include <git2/sys/mempack.h>
#include <git2/odb_backend.h>
#include <git2/sys/odb_backend.h>

#include "util/error.h"
#include "store/pack.h"

int cmdb__packer_open(cmdb__packer *p, const char *gitdir)
{
	git_odb *odb = NULL;
	git_odb_backend *mp = NULL;
	int err;

	p->git = NULL;
	p->mempack = NULL;
	if ((err = git_repository_open_ext(&p->git, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) <
			0 ||
		(err = git_repository_odb(&odb, p->git)) < 0 || (err = git_mempack_new(&mp)) < 0)
		goto done;
	/* Highest priority: every write lands in memory; reads see it too. */
	if ((err = git_odb_add_backend(odb, mp, 999)) < 0)
		goto done;
	p->mempack = mp;
	mp = NULL;
done:
	if (mp)
		mp->free(mp);
	git_odb_free(odb);
	if (err < 0) {
		git_repository_free(p->git);
		p->git = NULL;
		return cmdb__error_git(
			CMDB_ERROR, err, "cannot prepare to write a pack in %s", gitdir);
	}
	return 0;
}

/* Index a pack held in memory into the object database (the indexer writes pack and index
 * to temporary files and renames them into place), then empty the staging mempack. */
static int write_pack(cmdb__packer *p, const git_buf *pack)
{
	git_odb *odb = NULL;
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats = {0};
	int err;

	if ((err = git_repository_odb(&odb, p->git)) < 0 ||
		(err = git_odb_write_pack(&wp, odb, NULL, NULL)) < 0 ||
		(err = wp->append(wp, pack->ptr, pack->size, &stats)) < 0 ||
		(err = wp->commit(wp, &stats)) < 0)
		goto done;
	err = git_mempack_reset(p->mempack);
done:
	if (wp)
		wp->free(wp);
	git_odb_free(odb);
	return err;
}

int cmdb__packer_flush(cmdb__packer *p)
{
	git_buf pack = GIT_BUF_INIT;
	int err;

	if ((err = git_mempack_dump(&pack, p->git, p->mempack)) >= 0)
		err = write_pack(p, &pack);
	git_buf_dispose(&pack);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot write the pack of a large commit")
		       : 0;
}

int cmdb__packer_flush_ids(cmdb__packer *p, const git_oid *ids, size_t n)
{
	git_packbuilder *pb = NULL;
	git_buf pack = GIT_BUF_INIT;
	int err;

	if ((err = git_packbuilder_new(&pb, p->git)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((err = git_packbuilder_insert(pb, &ids[i], NULL)) < 0)
			goto done;
	if ((err = git_packbuilder_write_buf(&pack, pb)) >= 0)
		err = write_pack(p, &pack);
done:
	git_buf_dispose(&pack);
	git_packbuilder_free(pb);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot write the pack of staged files")
		       : 0;
}

void cmdb__packer_discard(cmdb__packer *p)
{
	if (p->mempack)
		git_mempack_reset(p->mempack);
}

void cmdb__packer_close(cmdb__packer *p)
{
	git_repository_free(p->git);
	p->git = NULL;
	p->mempack = NULL;
}
