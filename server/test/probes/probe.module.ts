import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { Public } from '../../src/common/http/public.decorator';

class ProbeDto {
  @IsString()
  @MinLength(3)
  name!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;
}

/** Routes that exist only in tests, to exercise the framework edges. */
@Public()
@Controller('probe')
export class ProbeController {
  @Post('echo')
  echo(@Body() dto: ProbeDto): ProbeDto {
    return dto;
  }

  @Post('secret')
  secret(@Body() body: Record<string, unknown>): { received: string[] } {
    return { received: Object.keys(body) };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password=hunter2 leaked in an internal error');
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
