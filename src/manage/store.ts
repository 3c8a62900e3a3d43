/** The entry store on S3: paginated listing, the last-access tag, long keys, deletion. */
import {
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { KEY_TAIL_METADATA_KEY } from '../matching/encoding';
import { isNotFound, request, RequestScope } from '../storage/client';
import { parseAccessTag } from './access';
import type { StoredObject } from './catalog';
import type { EntryStore } from './commands';

export function s3EntryStore(client: S3Client, bucket: string, scope: RequestScope): EntryStore {
  const target = (key: string): string => `s3://${bucket}/${key}`;
  return {
    async list(prefix, onPage) {
      const all: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await request(
          'S3',
          { operation: 'ListObjectsV2', target: target(prefix), purpose: 'listing the cache entries' },
          scope,
          (abortSignal) =>
            client.send(
              new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
              {
                abortSignal,
              },
            ),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          all.push({ key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
        }
        onPage?.(all.length);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return all;
    },
    async lastAccess(objectKey) {
      try {
        const tags = await request(
          'S3',
          {
            operation: 'GetObjectTagging',
            target: target(objectKey),
            purpose: 'reading when the entry was last used',
          },
          scope,
          (abortSignal) =>
            client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: objectKey }), { abortSignal }),
          isNotFound,
        );
        return parseAccessTag(tags.TagSet);
      } catch (error) {
        if (isNotFound(error)) return undefined; // deleted since the listing
        throw error;
      }
    },
    async fullKey(objectKey, head) {
      try {
        const response = await request(
          'S3',
          {
            operation: 'HeadObject',
            target: target(objectKey),
            purpose: 'reading the full key of a long-key entry',
          },
          scope,
          (abortSignal) =>
            client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal }),
          isNotFound,
        );
        const tail = response.Metadata?.[KEY_TAIL_METADATA_KEY];
        return tail === undefined ? undefined : head + Buffer.from(tail, 'base64').toString('utf8');
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async remove(objectKey) {
      // One DeleteObject: S3 removes the object atomically, so a restore sees it whole or gets 404
      // (a miss). A restore already downloading fails its next ranged GET and cleans up.
      await request(
        'S3',
        { operation: 'DeleteObject', target: target(objectKey), purpose: 'deleting the entry' },
        scope,
        (abortSignal) =>
          client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal }),
      );
    },
  };
}
