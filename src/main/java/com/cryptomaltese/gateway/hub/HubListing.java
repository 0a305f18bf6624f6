package com.cryptomaltese.gateway.hub;

import java.util.List;

/**
 * A repository at one commit, from {@code GET /api/models/{repo}/revision/{revision}?blobs=true}.
 *
 * @param commit the {@code sha} the revision resolved to; names the snapshot folder
 * @param files  the {@code siblings}
 */
public record HubListing(String repoId, String commit, List<HubFile> files) {

    /**
     * One file of the repository.
     *
     * @param path   {@code rfilename}, relative, '/'-separated; checked by {@link CachePaths#checkName}
     * @param size   bytes, or -1 when the listing does not say
     * @param blobId the git blob id (sha1), the blob's name in the cache for non-LFS files; may be null
     * @param sha256 {@code lfs.sha256} for LFS files (their blob name and checksum); null otherwise
     */
    public record HubFile(String path, long size, String blobId, String sha256) {

        public boolean lfs() {
            return sha256 != null;
        }
    }
}
