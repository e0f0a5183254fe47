import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The last page number accepted: past it every list is empty anyway, and offsets stay exact. */
export const MAX_PAGE = 1_000_000;
/** The most items one page holds. */
export const MAX_PAGE_SIZE = 100;

/** `?page=&page_size=`: pages count from 1 up to MAX_PAGE; at most MAX_PAGE_SIZE items a page. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size = 20;
}

export interface Page<T> {
  items: T[];
  page: number;
  page_size: number;
  total: number;
}

export const pageOffset = (q: PageQueryDto): number => (q.page - 1) * q.page_size;
