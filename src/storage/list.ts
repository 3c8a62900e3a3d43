/** ListObjectsV2 over every page, so a prefix with thousands of entries is searched completely. */
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { KEY_TAIL_METADATA_KEY } from '../matching/encoding';
import type { EntryLister, ListedObject } from '../matching/match';
import { request, RequestScope } from './client';

export interface ListPage {
  objects: ListedObject[];
  nextToken?: string;
}

export type PageFetcher = (prefix: string, continuationToken?: string) => Promise<ListPage>;

/** Follows continuation tokens until the last page. */
export async function listAll(fetchPage: PageFetcher, prefix: string): Promise<ListedObject[]> {
  const all: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(prefix, token);
    all.push(...page.objects);
    token = page.nextToken;
  } while (token !== undefined);
  return all;
}

export function s3PageFetcher(client: S3Client, bucket: string, scope: RequestScope): PageFetcher {
  return async (prefix, continuationToken) => {
    const response = await request(
      'S3',
      {
        operation: 'ListObjectsV2',
        target: `s3://${bucket}/${prefix}`,
        purpose: 'the lookup of matching entries',
      },
      scope,
      (abortSignal) =>
        client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
          { abortSignal },
        ),
    );
    const objects: ListedObject[] = [];
    for (const item of response.Contents ?? []) {
      if (item.Key === undefined) continue;
      objects.push({
        key: item.Key,
        lastModified: item.LastModified ?? new Date(0),
        size: item.Size ?? 0,
        etag: item.ETag,
      });
    }
    return { objects, nextToken: response.IsTruncated ? response.NextContinuationToken : undefined };
  };
}

export function s3Lister(client: S3Client, bucket: string, scope: RequestScope): EntryLister {
  const fetchPage = s3PageFetcher(client, bucket, scope);
  return {
    list: (prefix) => listAll(fetchPage, prefix),
    longKey: async (key, head) => {
      const response = await request(
        'S3',
        {
          operation: 'HeadObject',
          target: `s3://${bucket}/${key}`,
          purpose: 'reading the full key of a matched entry',
        },
        scope,
        (abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
      );
      const tail = response.Metadata?.[KEY_TAIL_METADATA_KEY];
      return tail === undefined ? undefined : head + Buffer.from(tail, 'base64').toString('utf8');
    },
  };
}
