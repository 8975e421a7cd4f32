export { type StageContext, verifyUpload } from './verify-upload.ts';
