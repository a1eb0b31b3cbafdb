-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'timed_out';
