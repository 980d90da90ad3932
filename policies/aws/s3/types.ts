/** Bucket resource types in @pulumi/aws 7 (`Bucket` is current, `BucketV2` its deprecated alias). */
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
